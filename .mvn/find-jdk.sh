# Sourced by ./kmb, ./mvnw and .ci/run: exports JAVA_HOME as a JDK >= 21.
# Order: $JAVA_HOME if it is new enough, else the newest JDK >= 21 under /usr/lib/jvm,
# else the `java` on PATH if it is new enough. Reads each JDK's `release` file (no JVM start).
kmb_jdk_major() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null)
  v=${v#1.}
  echo "${v%%[.+-]*}"
}

kmb_find_jdk() {
  local min=21 best="" best_major=0 dir major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(kmb_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then
      echo "$JAVA_HOME"; return 0
    fi
  fi
  for dir in /usr/lib/jvm/*; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    major=$(kmb_jdk_major "$dir")
    [ -n "$major" ] || continue
    if [ "$major" -ge "$min" ] && [ "$major" -gt "$best_major" ]; then
      best=$dir; best_major=$major
    fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    dir=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(kmb_jdk_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then best=$dir; fi
  fi
  [ -n "$best" ] || return 1
  echo "$best"
}

if KMB_JDK=$(kmb_find_jdk); then
  export JAVA_HOME="$KMB_JDK"
else
  echo "kmb: no JDK 21 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm/*, PATH). Install one, or set JAVA_HOME." >&2
  exit 1
fi
