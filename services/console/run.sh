#!/bin/sh
# Start the console: migrate its own database, then serve. Used by the
# Dockerfile and the local demo; a Kubernetes migration Job runs only the first line.
set -e
cd "$(dirname "$0")"
rueda-ops --config config.yml migrate
exec nameko run --config config.yml console.service
