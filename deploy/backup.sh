#!/bin/sh
# Sauvegarde d'atelier : la base PostgreSQL (pg_dump, format personnalisé) et, du dossier de données,
# les fichiers déposés et la clé de signature des liens, qui vont avec la base.
#
# Usage : deploy/backup.sh DOSSIER_DE_DESTINATION
# Lit ATELIER_DATABASE_URL (obligatoire) et ATELIER_DATA_DIR (par défaut : data), comme les services.
set -eu

dest=${1:?"usage : backup.sh DOSSIER_DE_DESTINATION"}
if [ -z "${ATELIER_DATABASE_URL:-}" ]; then
    echo "Erreur : ATELIER_DATABASE_URL n'est pas défini (l'adresse de la base PostgreSQL)" >&2
    exit 1
fi
url=$(printf '%s' "$ATELIER_DATABASE_URL" | sed 's/+psycopg//')  # libpq's form of the address
data=${ATELIER_DATA_DIR:-data}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

mkdir -p "$dest"
umask 077  # the dump holds personal data and the key signs the e-mails' links
pg_dump --format=custom --no-owner --no-privileges --file "$dest/atelier-$stamp.dump" "$url"
set --
for part in fichiers secret_key; do
    [ -e "$data/$part" ] && set -- "$@" "$part"
done
if [ $# -gt 0 ]; then
    tar -C "$data" -czf "$dest/atelier-$stamp-fichiers.tar.gz" "$@"
    echo "Sauvegarde écrite : $dest/atelier-$stamp.dump et $dest/atelier-$stamp-fichiers.tar.gz"
else
    echo "Sauvegarde écrite : $dest/atelier-$stamp.dump (aucun fichier déposé ni clé dans $data)"
fi
