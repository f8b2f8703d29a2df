#!/bin/sh
# Restauration d'une sauvegarde faite par backup.sh, dans la base ATELIER_DATABASE_URL (remplacée)
# et le dossier ATELIER_DATA_DIR. Arrêtez d'abord tous les services atelier.
#
# Usage : deploy/restore.sh SAUVEGARDE.dump [SAUVEGARDE-fichiers.tar.gz]
set -eu

dump=${1:?"usage : restore.sh SAUVEGARDE.dump [SAUVEGARDE-fichiers.tar.gz]"}
files=${2:-${dump%.dump}-fichiers.tar.gz}
if [ -z "${ATELIER_DATABASE_URL:-}" ]; then
    echo "Erreur : ATELIER_DATABASE_URL n'est pas défini (l'adresse de la base PostgreSQL)" >&2
    exit 1
fi
url=$(printf '%s' "$ATELIER_DATABASE_URL" | sed 's/+psycopg//')  # libpq's form of the address
data=${ATELIER_DATA_DIR:-data}

[ -r "$dump" ] || { echo "Erreur : sauvegarde introuvable : $dump" >&2; exit 1; }
# One transaction: a restore that fails leaves the database as it was.
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
    --dbname "$url" "$dump"
if [ -r "$files" ]; then
    mkdir -p "$data"
    tar -C "$data" -xzf "$files"
fi
echo "Restauration terminée depuis $dump ; vérifiez avec : atelier doctor"
