#!/bin/bash
# Build the Bochs of the VMX rig: Debian trixie's bochs source (pinned in
# scripts/pins.sh) with the project's patches (tests/vm/bochs/patches/),
# configured for the rig, cached outside the clone so only a fresh machine
# pays for the build (~8 minutes on 2 cores).
#
# usage: scripts/bochs.sh [--quiet]
#
# 1. Source: `apt-get source --download-only bochs=$XL_BOCHS_VER` through a
#    PRIVATE apt configuration (its own sources list with one deb-src line
#    for trixie on the Debian mirror this machine's apt already uses, its
#    own lists and cache directories), so the machine's package set stays
#    what it is. The archive may not serve the .dsc: apt then exits
#    non-zero after fetching the orig and debian tarballs, so both are
#    checked against the SHA256 of trixie's (signed) Sources index and
#    against the pins; a mismatch or a version trixie no longer has stops
#    with a message saying how to move the pin.
# 2. Build: the orig tarball, each tests/vm/bochs/patches/*.patch applied
#    in order (Debian's own patches touch only docs, the BIOS build and
#    the sample bochsrc, none of which the rig uses), configure with
#    $conf below, make -j2; the static binary goes to
#    $XL_BOCHS_CACHE/bochs-KEY/bin/bochs, KEY = hash of the source
#    checksums, the patches and the configure line.
#
# Prints shell assignments for `eval "$(scripts/bochs.sh --quiet)"`:
#   XL_BOCHS=<the bochs binary>  XL_BOCHS_KEY=<KEY>
#   XL_BOCHS_LABEL="Bochs <version> + <patches>"
# Progress goes to stderr (none with --quiet once the build is cached).
# Exit status: 0 ok, 1 failure (download, checksum, pin moved, build),
# 77 when it cannot be had here (no g++/make/patch, no Debian source
# entry in this machine's apt configuration).
# Environment: XL_BOCHS_CACHE (default /var/cache/exitless when writable,
# else ~/.cache/exitless), XL_BOCHS_JOBS (default 2).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/pins.sh
. "$top/scripts/pins.sh"
# shellcheck source=scripts/debian-apt.sh
. "$top/scripts/debian-apt.sh"

quiet=0
[ "${1:-}" = --quiet ] && quiet=1
patches=("$top"/tests/vm/bochs/patches/*.patch)
jobs=${XL_BOCHS_JOBS:-2}
# x86-64, VMX with EPT/APICv/posted interrupts (--enable-vmx=2) and SMP
# are what the rig is for; AVX/EVEX so corei7_skylake_x is the CPU its
# model says; pci + cdrom for the i440fx machine that boots the ISO;
# nogui (Debian's 2.7 package had no nogui, so the rig used rfb); no
# internal debugger (the 2.7 package stopped at its prompt before the
# first instruction), no plugins (one static binary), no sound.
# all-optimizations = repeat speedups, fast calls, handlers chaining and
# trace linking.
conf=(--enable-x86-64 --enable-vmx=2 --enable-smp --with-nogui
	--enable-cpu-level=6 --enable-avx --enable-evex --enable-pci
	--enable-cdrom --enable-a20-pin --enable-all-optimizations
	--disable-docbook)
cflags="-O2 -pipe"

pin_moved() {
	cat >&2 <<MSG
bochs.sh: $*
bochs.sh: the pinned Bochs source (scripts/pins.sh: XL_BOCHS_VER=$XL_BOCHS_VER,
bochs.sh: XL_BOCHS_ORIG_SHA256, XL_BOCHS_DEBIAN_SHA256) no longer matches
bochs.sh: Debian trixie's Sources index. To move the pin: read the new
bochs.sh: version and its Checksums-Sha256 with
bochs.sh:   apt-cache -o Dir::Etc::sourcelist=$apt/sources.list -o Dir::Etc::sourceparts=- \\
bochs.sh:     -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache showsrc bochs
bochs.sh: set the three pins, check that tests/vm/bochs/patches/ still apply
bochs.sh: (scripts/bochs.sh says which does not), rerun the Bochs tier.
MSG
	exit 1
}

for t in g++ make patch xz sha256sum flock; do
	command -v "$t" >/dev/null || unavailable "$t not found (scripts/deps.sh bochs installs the build tools)"
done
[ -e "${patches[0]}" ] || die "no patches in tests/vm/bochs/patches/"

cache=${XL_BOCHS_CACHE:-$(xl_cache_dir)}
mkdir -p "$cache" || die "cannot create cache directory $cache"
apt=$cache/apt-trixie
orig=bochs_${XL_BOCHS_VER%-*}.orig.tar.xz
debtar=bochs_$XL_BOCHS_VER.debian.tar.xz
upver=${XL_BOCHS_VER%%+*}	# 3.0

key=$( {
	echo "$XL_BOCHS_ORIG_SHA256 $XL_BOCHS_DEBIAN_SHA256"
	echo "${conf[*]} CFLAGS=$cflags"
	cat "${patches[@]}"
} | sha256sum | cut -c1-16)
dest=$cache/bochs-$key
names=$(for p in "${patches[@]}"; do basename "$p" .patch; done | paste -sd, -)
result() {
	cat <<OUT
XL_BOCHS=$dest/bin/bochs
XL_BOCHS_KEY=$key
XL_BOCHS_LABEL="Bochs $upver (Debian $XL_BOCHS_VER) + patches $names"
OUT
}
if [ -x "$dest/bin/bochs" ] && [ -e "$dest/.complete" ]; then
	result
	exit 0
fi

# One build at a time per cache (two tiers, two worktrees).
exec 9>"$cache/.lock"
if ! flock -n 9; then
	say "another build holds $cache/.lock; waiting"
	flock 9
fi
if [ -x "$dest/bin/bochs" ] && [ -e "$dest/.complete" ]; then
	result
	exit 0
fi
quiet=0	# a build is long: always say what it does
say "no cached build $dest: building Bochs $XL_BOCHS_VER with $(echo "$names" | tr , ' ')"

# --- 1. the source ---------------------------------------------------------
src=$cache/src
mkdir -p "$src"
have_ok() {	# have_ok FILE SHA256
	[ -s "$src/$1" ] && [ "$(sha256sum <"$src/$1" | cut -d' ' -f1)" = "$2" ]
}
if ! have_ok "$orig" "$XL_BOCHS_ORIG_SHA256" || ! have_ok "$debtar" "$XL_BOCHS_DEBIAN_SHA256"; then
	# The Debian archive this machine's apt uses (the entry for its own
	# release, e.g. bookworm), one-line or deb822 format.
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || unavailable "no VERSION_CODENAME in /etc/os-release: cannot tell which apt entry is the Debian archive"
	mirror=$(xl_debian_mirror "$codename")
	[ -n "$mirror" ] || unavailable "no apt entry for Debian $codename in /etc/apt/sources.list(.d): cannot tell which Debian mirror to fetch trixie's bochs source from"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || unavailable "no $keyring (apt-get install debian-archive-keyring)"
	xl_private_apt "$apt" "deb-src [signed-by=$keyring] $mirror trixie main"
	say "fetching trixie's Sources index from $mirror (private apt lists in $apt)"
	apt-get "${aptopt[@]}" -qq update >"$apt/update.log" 2>&1 ||
		{ cat "$apt/update.log" >&2; die "apt-get update of the private trixie deb-src list failed"; }
	rec=$(apt-cache "${aptopt[@]}" showsrc bochs 2>/dev/null |
		awk -v v="$XL_BOCHS_VER" '/^Package: /{p = 0} /^Version: /{p = ($2 == v)} p')
	if [ -z "$rec" ]; then
		now=$(apt-cache "${aptopt[@]}" showsrc bochs 2>/dev/null | sed -n 's/^Version: //p' | paste -sd' ' -)
		pin_moved "trixie's Sources index has no bochs $XL_BOCHS_VER (it has: ${now:-no bochs at all})"
	fi
	sums=$(echo "$rec" | awk '/^Checksums-Sha256:/{p = 1; next} /^[^ ]/{p = 0} p {print $1, $3}')
	want_orig=$(echo "$sums" | awk -v f="$orig" '$2 == f {print $1}')
	want_deb=$(echo "$sums" | awk -v f="$debtar" '$2 == f {print $1}')
	[ "$want_orig" = "$XL_BOCHS_ORIG_SHA256" ] ||
		pin_moved "trixie's Sources lists $orig with SHA256 ${want_orig:-<none>}, pinned $XL_BOCHS_ORIG_SHA256"
	[ "$want_deb" = "$XL_BOCHS_DEBIAN_SHA256" ] ||
		pin_moved "trixie's Sources lists $debtar with SHA256 ${want_deb:-<none>}, pinned $XL_BOCHS_DEBIAN_SHA256"
	say "downloading bochs $XL_BOCHS_VER source (apt-get source --download-only)"
	dl=$(mktemp -d "$cache/dl.XXXXXX")
	# Exits non-zero when the archive does not serve the .dsc, after
	# fetching the tarballs: the checksums below decide.
	(cd "$dl" && apt-get "${aptopt[@]}" -q source --download-only "bochs=$XL_BOCHS_VER") >"$apt/source.log" 2>&1 || true
	for f in "$orig" "$debtar"; do
		[ -s "$dl/$f" ] || { cat "$apt/source.log" >&2; rm -rf "$dl"; die "apt-get source did not fetch $f"; }
		mv "$dl/$f" "$src/$f"
	done
	rm -rf "$dl"
	have_ok "$orig" "$XL_BOCHS_ORIG_SHA256" || die "$src/$orig does not match its SHA256 in trixie's Sources index ($XL_BOCHS_ORIG_SHA256)"
	have_ok "$debtar" "$XL_BOCHS_DEBIAN_SHA256" || die "$src/$debtar does not match its SHA256 in trixie's Sources index ($XL_BOCHS_DEBIAN_SHA256)"
	say "source verified: $orig, $debtar (SHA256 as in trixie's Sources and scripts/pins.sh)"
fi

# --- 2. patch, configure, build ---------------------------------------------
work=$cache/build-$key
rm -rf "$work" "$dest"
mkdir -p "$work"
blog=$cache/build-$key.log
: >"$blog"
tar -xJf "$src/$orig" -C "$work"
tree=$work/bochs-$upver
[ -d "$tree" ] || die "$orig did not unpack into bochs-$upver/"
for p in "${patches[@]}"; do
	say "applying $(basename "$p")"
	patch -d "$tree" -p1 --batch --forward <"$p" >>"$blog" 2>&1 ||
		{ tail -20 "$blog" >&2; die "$(basename "$p") does not apply to bochs $XL_BOCHS_VER (after a pin move: refresh it)"; }
done
say "configure ${conf[*]} (CFLAGS=$cflags)"
(cd "$tree" && CFLAGS=$cflags CXXFLAGS=$cflags ./configure "${conf[@]}") >>"$blog" 2>&1 ||
	{ tail -30 "$blog" >&2; die "configure failed (log: $blog)"; }
start=$(date +%s)
say "make -j$jobs (about 8 minutes on 2 free cores; log: $blog)"
(cd "$tree" && make -j"$jobs" bochs) >>"$blog" 2>&1 &
mk=$!
while kill -0 "$mk" 2>/dev/null; do
	for _ in $(seq 60); do kill -0 "$mk" 2>/dev/null && sleep 1; done
	kill -0 "$mk" 2>/dev/null &&
		say "  ... $(find "$tree" -name '*.o' | wc -l) objects after $(( $(date +%s) - start )) s"
done
wait "$mk" || { tail -30 "$blog" >&2; die "make failed (log: $blog)"; }
[ -x "$tree/bochs" ] || die "make left no bochs binary (log: $blog)"
mkdir -p "$dest/bin"
cp "$tree/bochs" "$dest/bin/bochs"
cp "${patches[@]}" "$dest/"
{
	echo "bochs $XL_BOCHS_VER from Debian trixie, built by scripts/bochs.sh"
	echo "orig   $XL_BOCHS_ORIG_SHA256  $orig"
	echo "debian $XL_BOCHS_DEBIAN_SHA256  $debtar"
	echo "patches: $names"
	echo "configure ${conf[*]}"
	echo "CFLAGS=CXXFLAGS=$cflags"
	echo "build time: $(( $(date +%s) - start )) s with make -j$jobs"
} >"$dest/BUILD-INFO"
touch "$dest/.complete"
rm -rf "$work"
say "built in $(( $(date +%s) - start )) s: $dest/bin/bochs"
result
