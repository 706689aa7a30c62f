#!/bin/sh
# Installs the codex-shim binary for this machine, without root:
#   curl -fsSL https://github.com/codex-shim/codex-shim/releases/latest/download/install.sh | sh
# It downloads the release archive and SHA256SUMS, refuses the archive unless
# its SHA-256 matches, and puts `codex-shim` in ~/.local/bin.
#
# Settings (environment):
#   CODEX_SHIM_VERSION        a version such as 0.1.0 (default: the latest release)
#   CODEX_SHIM_INSTALL_DIR    where to put the binary (default: ~/.local/bin)
#   CODEX_SHIM_DOWNLOAD_BASE  a mirror laid out like https://github.com/<repo>/releases
#                             (<base>/download/v<version>/<file>, <base>/latest/download/VERSION)
#   CODEX_SHIM_OS, CODEX_SHIM_ARCH  override what uname reports (linux|darwin, x64|arm64)
set -eu

REPO="codex-shim/codex-shim"
BASE="${CODEX_SHIM_DOWNLOAD_BASE:-https://github.com/$REPO/releases}"
BASE="${BASE%/}"
INSTALL_DIR="${CODEX_SHIM_INSTALL_DIR:-$HOME/.local/bin}"

say() { printf 'codex-shim install: %s\n' "$*"; }
fail() { printf 'codex-shim install: %s\n' "$*" >&2; exit 1; }

detect_os() {
  if [ -n "${CODEX_SHIM_OS:-}" ]; then echo "$CODEX_SHIM_OS"; return; fi
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN*) fail "on Windows, run install.ps1 in PowerShell instead (see the README)." ;;
    *) fail "no codex-shim build for $(uname -s); build from source with bun (see the README)." ;;
  esac
}

detect_arch() {
  if [ -n "${CODEX_SHIM_ARCH:-}" ]; then echo "$CODEX_SHIM_ARCH"; return; fi
  arch=$(uname -m)
  # An x64 shell under Rosetta on Apple silicon: the native arm64 build is the right one.
  if [ "$arch" = x86_64 ] && [ "$(uname -s)" = Darwin ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then arch=arm64; fi
  case "$arch" in
    x86_64 | amd64) echo x64 ;;
    arm64 | aarch64) echo arm64 ;;
    *) echo "$arch" ;;
  esac
}

# download URL FILE: curl or wget, failing on HTTP errors.
download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 --connect-timeout 10 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 10 -O "$2" "$1"
  else
    fail "needs curl or wget to download; install one and run this again."
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    fail "needs sha256sum or shasum to verify the download; install coreutils or perl and run this again."
  fi
}

os=$(detect_os)
arch=$(detect_arch)
tmp=$(mktemp -d 2>/dev/null || mktemp -d -t codex-shim)
# The copy made beside the target before it is renamed into place: removed on any way out (a full
# disk, Ctrl-C, a binary that does not run here), so no stray file is left in the install folder.
partial="$INSTALL_DIR/.codex-shim.partial.$$"
trap 'rm -rf "$tmp"; rm -f "$partial"' EXIT
trap 'exit 130' INT TERM

version="${CODEX_SHIM_VERSION:-latest}"
if [ "$version" = latest ]; then
  download "$BASE/latest/download/VERSION" "$tmp/VERSION" || fail "could not reach $BASE to find the latest version. Check your network (or CODEX_SHIM_DOWNLOAD_BASE), or set CODEX_SHIM_VERSION."
  version=$(tr -d ' \r\n' <"$tmp/VERSION")
fi
version="${version#v}"
archive="codex-shim-$version-$os-$arch.tar.gz"
release="$BASE/download/v$version"

download "$release/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $release/SHA256SUMS. Check your network and that version $version exists."
expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$tmp/SHA256SUMS")
if [ -z "$expected" ]; then
  available=$(awk '{ n = $2; sub(/^\*/, "", n); if (n ~ /^codex-shim-.*\.tar\.gz$/) { sub(/\.tar\.gz$/, "", n); k = split(n, part, "-"); printf "%s%s-%s", sep, part[k - 1], part[k]; sep = " " } }' "$tmp/SHA256SUMS")
  fail "codex-shim $version has no build for $os-$arch (available: ${available:-none}). Build from source with bun instead (see the README)."
fi

say "downloading codex-shim $version for $os-$arch"
download "$release/$archive" "$tmp/$archive" || fail "could not download $release/$archive. Check your network and try again."
actual=$(sha256_of "$tmp/$archive")
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $archive (expected $expected, got $actual): refusing to install. Try again; if it persists, report it."
fi

mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/$archive" -C "$tmp/unpacked" || fail "could not unpack $archive."
[ -f "$tmp/unpacked/codex-shim" ] || fail "$archive holds no codex-shim binary."

mkdir -p "$INSTALL_DIR" || fail "cannot create $INSTALL_DIR; set CODEX_SHIM_INSTALL_DIR to a folder you can write."
# Copy next to the target, then rename: a running codex-shim is never half-overwritten.
cp "$tmp/unpacked/codex-shim" "$partial" || fail "could not write $partial (is the disk full?); nothing was changed."
chmod 755 "$partial"
# Run it where it will live before it replaces anything: a glibc build on musl (Alpine), a build
# for another CPU or a noexec folder fails here, and an earlier install keeps working.
installed=$("$partial" --version 2>/dev/null) || fail "the $os-$arch build of codex-shim $version does not run on this machine, so nothing was changed. The Linux builds need glibc: on Alpine or another musl-libc Linux, build from source with bun (see the README). If $INSTALL_DIR is on a noexec mount, set CODEX_SHIM_INSTALL_DIR to another folder."
mv -f "$partial" "$INSTALL_DIR/codex-shim"

say "installed codex-shim ${installed:-$version} to $INSTALL_DIR/codex-shim"
case ":$PATH:" in
  *":$INSTALL_DIR:"*) say "run: codex-shim start" ;;
  *)
    say "$INSTALL_DIR is not on your PATH. Add it, then open a new terminal:"
    # The file a new terminal of that shell reads: a Linux terminal starts a non-login bash
    # (~/.bashrc only), Terminal.app a login bash (~/.bash_profile when it exists, else ~/.profile).
    case "${SHELL:-}" in
      */zsh) printf "  echo 'export PATH=\"%s:\$PATH\"' >> ~/.zshrc\n" "$INSTALL_DIR" ;;
      */bash)
        if [ "$os" = darwin ] && [ ! -f "$HOME/.bash_profile" ]; then printf "  echo 'export PATH=\"%s:\$PATH\"' >> ~/.profile\n" "$INSTALL_DIR"
        elif [ "$os" = darwin ]; then printf "  echo 'export PATH=\"%s:\$PATH\"' >> ~/.bash_profile\n" "$INSTALL_DIR"
        else printf "  echo 'export PATH=\"%s:\$PATH\"' >> ~/.bashrc\n" "$INSTALL_DIR"; fi ;;
      # Quoted: fish would take a folder with a space for two.
      */fish) printf "  fish_add_path '%s'\n" "$(printf '%s' "$INSTALL_DIR" | sed "s/'/\\\\'/g")" ;;
      *) printf "  echo 'export PATH=\"%s:\$PATH\"' >> ~/.profile\n" "$INSTALL_DIR" ;;
    esac
    ;;
esac
