#!/bin/sh
# Check this Ansim evidence bundle with standard tools only: sh, sha256sum (or shasum),
# openssl, find, sort, sed, grep. Ansim itself is not needed.
#
#   sh verify/verify.sh                          check the bundle this script is in
#   sh verify/verify.sh --fingerprint AB:CD:...  also compare the certificate with the
#                                                fingerprint you were given separately
#
# Exit status 0 means every check passed; 1 means at least one failed (each is listed).
# 이 묶음을 표준 도구만으로 검증합니다. 종료 코드 0 = 모두 통과, 1 = 실패 항목 있음.
set -u
LC_ALL=C
export LC_ALL
expected_fp=""
if [ "${1:-}" = "--fingerprint" ]; then
  expected_fp=$(printf '%s' "${2:-}" | tr 'a-f' 'A-F')
fi
cd "$(dirname "$0")/.." || exit 2

if command -v sha256sum >/dev/null 2>&1; then
  sha() { sha256sum "$@"; }
elif command -v shasum >/dev/null 2>&1; then
  sha() { shasum -a 256 "$@"; }
else
  echo "sha256sum (or shasum) is needed / sha256sum 도구가 필요합니다"; exit 2
fi
for tool in openssl find sort sed grep; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing tool / 도구 없음: $tool"; exit 2; }
done

failed=0
pass() { printf 'OK    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; failed=1; }
show() { sed 's/^/      /'; }

CERT=verify/ansim-export-certificate.pem
for f in bagit.txt bag-info.txt manifest-sha256.txt tagmanifest-sha256.txt tagmanifest-sha256.txt.p7s "$CERT"; do
  [ -f "$f" ] || fail "missing / 없음: $f"
done

# 1. The tag files (bagit.txt, bag-info.txt, manifest-sha256.txt, verify/...) match the tag manifest.
if out=$(sha -c tagmanifest-sha256.txt 2>&1); then
  pass "tag files match tagmanifest-sha256.txt / 태그 파일 해시 일치"
else
  fail "tag files differ from tagmanifest-sha256.txt / 태그 파일 해시 불일치"
  printf '%s\n' "$out" | grep -v ': OK$' | show
fi

# 2. Every evidence file matches the manifest.
if out=$(sha -c manifest-sha256.txt 2>&1); then
  pass "every file under data/ matches manifest-sha256.txt / 증거 파일 해시 모두 일치"
else
  fail "files under data/ differ from manifest-sha256.txt / 증거 파일 해시 불일치"
  printf '%s\n' "$out" | grep -v ': OK$' | show
fi

# 3. No file was added that the manifests do not list (sha256sum -c cannot see those).
listed=$(sed 's/^[0-9a-fA-F]* [ *]//' manifest-sha256.txt tagmanifest-sha256.txt | sort)
known="tagmanifest-sha256.txt
tagmanifest-sha256.txt.p7s
tagmanifest-sha256.txt.p7s.tsr
timestamp-chain.pem"
# Files Finder or Explorer drop into any folder they show cannot change a signed file: noted.
clutter='(^|/)(\.DS_Store|Thumbs\.db|desktop\.ini|\._[^/]*)$'
ignored=$(find . -type f -print | sed 's|^\./||' | grep -E "$clutter")
extra=$(find . -type f -print | sed 's|^\./||' | grep -Ev "$clutter" | sort | while IFS= read -r f; do
  printf '%s\n' "$listed" "$known" | grep -qxF -- "$f" || printf '%s\n' "$f"
done)
odd=$(find . ! -type f ! -type d -print)
if [ -n "$ignored" ]; then
  echo "      ignored (made by the operating system) / 운영체제 파일 제외:"
  printf '%s\n' "$ignored" | show
fi
if [ -z "$extra" ] && [ -z "$odd" ]; then
  pass "no unlisted files / 목록에 없는 파일 없음"
else
  fail "files not listed in the manifests / 목록에 없는 파일"
  printf '%s\n' "$extra" "$odd" | grep -v '^$' | show
fi

# 4. The signature over the tag manifest is valid and made with the certificate in verify/.
if out=$(openssl cms -verify -binary -inform DER -in tagmanifest-sha256.txt.p7s \
    -content tagmanifest-sha256.txt -CAfile "$CERT" -purpose any -out /dev/null 2>&1); then
  pass "signature over tagmanifest-sha256.txt is valid / 전자서명 유효"
else
  fail "signature does not verify / 전자서명 검증 실패"
  printf '%s\n' "$out" | show
fi

# 5. The certificate is the one recorded in bag-info.txt (and the one you were told about).
fp=$(openssl x509 -in "$CERT" -noout -fingerprint -sha256 2>/dev/null | sed 's/^[^=]*=//')
recorded=$(sed -n 's/^Ansim-Certificate-SHA256: *//p' bag-info.txt | tr -d '\r')
if [ -n "$fp" ] && [ "$fp" = "$recorded" ]; then
  pass "certificate matches bag-info.txt / 인증서 지문이 bag-info.txt와 일치"
else
  fail "certificate fingerprint differs from bag-info.txt / 인증서 지문 불일치"
fi
if [ -n "$expected_fp" ]; then
  if [ "$fp" = "$expected_fp" ]; then
    pass "certificate matches the fingerprint you gave / 전달받은 지문과 일치"
  else
    fail "certificate does NOT match the fingerprint you gave / 전달받은 지문과 불일치"
  fi
fi
echo "      certificate SHA-256 / 인증서 지문: $fp"

# 6. Optional RFC 3161 timestamp over the signature.
if [ -f tagmanifest-sha256.txt.p7s.tsr ]; then
  when=$(openssl ts -reply -in tagmanifest-sha256.txt.p7s.tsr -text 2>/dev/null | sed -n 's/^Time stamp: *//p')
  if openssl ts -verify -data tagmanifest-sha256.txt.p7s -in tagmanifest-sha256.txt.p7s.tsr \
      -CAfile timestamp-chain.pem -untrusted timestamp-chain.pem -partial_chain >/dev/null 2>&1; then
    pass "timestamp matches the signature / 타임스탬프 일치: $when"
    echo "      (checked against the server's own certificates; see HOW-TO-VERIFY)"
  else
    fail "timestamp could not be verified with timestamp-chain.pem / 타임스탬프 검증 실패"
    echo "      (if the server's root certificate is not included, check with it: see HOW-TO-VERIFY)"
  fi
fi

# 7. The public custody chain: each line's SHA-256 (over the line without its "entry_hash"
#    field; the lines are canonical JSON with sorted keys) is its entry_hash, each prev_hash is
#    the entry before it, and the last hash and the count are those in bag-info.txt.
LOG=data/custody/custody-log.jsonl
if [ -f "$LOG" ]; then
  prev=0000000000000000000000000000000000000000000000000000000000000000
  n=0
  broken=""
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    h=$(printf '%s\n' "$line" | sed -n 's/.*"entry_hash":"\([0-9a-f]\{64\}\)","offset_minutes":.*/\1/p')
    p=$(printf '%s\n' "$line" | sed -n 's/.*"prev_hash":"\([0-9a-f]\{64\}\)",.*/\1/p')
    body=$(printf '%s\n' "$line" | sed 's/\(.*\)"entry_hash":"[0-9a-f]\{64\}",\("offset_minutes":\)/\1\2/')
    calc=$(printf '%s' "$body" | sha | sed 's/ .*//')
    if [ -z "$h" ] || [ "$p" != "$prev" ] || [ "$calc" != "$h" ]; then
      broken="$broken $n"
    fi
    prev=$h
  done < "$LOG"
  head_recorded=$(sed -n 's/^Ansim-Custody-Head: *//p' bag-info.txt | tr -d '\r')
  count_recorded=$(sed -n 's/^Ansim-Custody-Entries: *//p' bag-info.txt | tr -d '\r')
  if [ -z "$broken" ] && [ "$prev" = "$head_recorded" ] && [ "$n" = "$count_recorded" ]; then
    pass "custody chain recomputed: $n entries, head as in bag-info.txt / 보관 경위 기록 사슬 재계산 일치"
  else
    fail "custody chain does not recompute / 보관 경위 기록 사슬 불일치"
    [ -n "$broken" ] && echo "      lines that do not chain / 연결이 끊긴 줄:$broken"
    [ "$prev" = "$head_recorded" ] || echo "      last hash differs from Ansim-Custody-Head / 마지막 해시 불일치"
    [ "$n" = "$count_recorded" ] || echo "      $n entries, bag-info.txt says $count_recorded / 항목 수 불일치"
  fi
else
  fail "missing / 없음: $LOG"
fi

if [ "$failed" -eq 0 ]; then
  echo "RESULT: all checks passed / 결과: 모든 검사 통과"
else
  echo "RESULT: the bundle FAILED verification / 결과: 검증 실패"
fi
exit "$failed"
