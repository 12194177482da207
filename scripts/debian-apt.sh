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
