#!/usr/bin/env bash
# Brings GraphiQL and React into assets/graphiql/ from the npm registry, at the pinned versions
# below: `npm pack` checks each tarball against the registry's integrity hash, the files used by
# the playground are stored gzipped (deterministically) and embedded in the binary, and
# VERSIONS records what came from where. Run it again only to move to other versions; the
# result is committed, so building and running need no network.
#
#   assets/graphiql/fetch.sh
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=3.8.3
REACT=18.3.1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for tarball in "$work"/*.tgz; do
    dir="${tarball%.tgz}"
    mkdir -p "$dir"
    tar -xzf "$tarball" -C "$dir"
done

# package directory, file in the package, name served (and stored, gzipped)
files=(
    "graphiql-$GRAPHIQL package/graphiql.min.js graphiql-$GRAPHIQL.min.js"
    "graphiql-$GRAPHIQL package/graphiql.min.css graphiql-$GRAPHIQL.min.css"
    "react-$REACT package/umd/react.production.min.js react-$REACT.production.min.js"
    "react-dom-$REACT package/umd/react-dom.production.min.js react-dom-$REACT.production.min.js"
)
rm -f ./*.gz
mkdir -p licenses
{
    echo "# Third-party files of the playground: served name, npm package, sha256 of the file."
    for entry in "${files[@]}"; do
        read -r package path served <<<"$entry"
        source="$work/$package/$path"
        gzip -9 -n -c "$source" >"$served.gz"
        echo "$served ${package%-*}@${package##*-} $(sha256sum "$source" | cut -d' ' -f1)"
    done
} >VERSIONS
for package in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
    cp "$work/$package/package/LICENSE" "licenses/${package%-*}.LICENSE"
done
echo "assets/graphiql: $(ls ./*.gz | wc -l) files from npm, see VERSIONS"
