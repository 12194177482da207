# shellcheck shell=bash
# Sourced by scripts that fetch from another Debian release (trixie)
# than the one this machine runs, without changing its package set: a
# PRIVATE apt configuration (own sources list, lists and cache) on the
# Debian mirror this machine's apt already uses.
#
#   say, die, unavailable MESSAGE  to stderr, prefixed with the script's
#                         name: progress (not when $quiet is 1), then
#                         exit 1 (failure) or 77 (cannot be had here)
#   xl_cache_dir          the cache outside the clone: XL_CACHE, else
#                         /var/cache/exitless when writable, else
#                         ~/.cache/exitless
#   xl_debian_mirror SUITE  the URI this machine's apt uses for SUITE
#                         (e.g. bookworm, bookworm-security), one-line or
#                         deb822 format; empty when there is none
#   xl_private_apt DIR LINE...  writes DIR/sources.list from the LINEs
#                         and sets the array aptopt for apt-get/apt-cache
#   xl_trixie_apt DIR     xl_private_apt for trixie and trixie-security
#                         on this machine's Debian mirror (or unavailable)
#   xl_fetch_pinned_deb DIR PKG VER SHA256 META
#                         downloads PKG=VER into DIR (aptopt set) after
#                         checking the Packages index lists it with SHA256,
#                         and checks the file; calls the caller's
#                         pin_moved MESSAGE when the index does not agree
#                         (META: the meta package whose Depends name what
#                         the archive has now, for the message)

say() { [ "${quiet:-0}" = 1 ] || echo "${0##*/}: $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }
unavailable() { echo "${0##*/}: $*" >&2; exit 77; }

xl_cache_dir() {
	if [ -n "${XL_CACHE:-}" ]; then
		echo "$XL_CACHE"
	elif mkdir -p /var/cache/exitless 2>/dev/null && [ -w /var/cache/exitless ]; then
		echo /var/cache/exitless
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/exitless"
	fi
}

xl_debian_mirror() {
	local suite=$1 f
	(
		shopt -s nullglob
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			awk -v c="$suite" '$1 == "deb" || $1 == "deb-src" {
				i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i + 1) == c) { print $i; exit } }' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			awk -v c="$suite" '
				/^[ \t]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0; next }
				tolower($1) == "uris:" { u = $2 }
				tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == c) s = 1 }
				END { if (u != "" && s) print u }' "$f"
		done
	) | head -1 | sed 's:/*$::'
}

xl_private_apt() {
	local dir=$1
	shift
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	printf '%s\n' "$@" >"$dir/sources.list"
	# shellcheck disable=SC2034 # for the caller
	aptopt=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
}

xl_trixie_apt() {
	local dir=$1 codename mirror secmirror keyring
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || unavailable "no VERSION_CODENAME in /etc/os-release: cannot tell which apt entry is the Debian archive"
	mirror=$(xl_debian_mirror "$codename")
	secmirror=$(xl_debian_mirror "$codename-security")
	[ -n "$mirror" ] || unavailable "no apt entry for Debian $codename in /etc/apt/sources.list(.d): cannot tell which Debian mirror to use"
	[ -n "$secmirror" ] || secmirror=${mirror%/debian}/debian-security
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || unavailable "no $keyring (apt-get install debian-archive-keyring)"
	xl_private_apt "$dir" "deb [signed-by=$keyring] $mirror trixie main" \
		"deb [signed-by=$keyring] $secmirror trixie-security main"
	# shellcheck disable=SC2034 # for the caller (debootstrap)
	xl_trixie_mirror=$mirror
}

xl_fetch_pinned_deb() {
	local dl=$1 p=$2 ver=$3 want=$4 meta=$5 sum got f
	sum=$(apt-cache "${aptopt[@]}" show "$p=$ver" 2>/dev/null | sed -n 's/^SHA256: //p' | head -1)
	if [ -z "$sum" ]; then
		pin_moved "trixie has no $p $ver (it has: $(apt-cache "${aptopt[@]}" show "$meta" 2>/dev/null |
			sed -n 's/^Depends: .*\(linux-[a-z]*-[0-9][^ ]*\) (= \([^)]*\)).*/\1 \2/p' | paste -sd' ' -))"
	fi
	[ "$sum" = "$want" ] || pin_moved "trixie's Packages lists $p $ver with SHA256 $sum, pinned $want"
	(cd "$dl" && apt-get "${aptopt[@]}" -q download "$p=$ver") >"$dl/download.log" 2>&1 ||
		{ cat "$dl/download.log" >&2; die "apt-get download $p=$ver failed"; }
	rm -f "$dl/download.log"
	f=$(printf '%s\n' "$dl/${p}_"*.deb | head -1)
	got=$(sha256sum "$f" | cut -d' ' -f1)
	[ "$got" = "$want" ] || die "$f: SHA256 $got, pinned $want"
}
