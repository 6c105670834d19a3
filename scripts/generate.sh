#!/usr/bin/env bash
# Generates the Prisma client into lib/store/generated/prisma (gitignored).
# PRISMA_SCHEMA_ENGINE_BINARY=/bin/true stops prisma from downloading the native schema engine; it
# is set for `generate` ONLY: with it, `prisma migrate …` silently does nothing. Migrations go
# through lib/store/migrate.ts (WASM schema engine) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate "$@"
