-- One database and one login role per service, for the local docker-compose
-- stack. Each service owns its database and cannot connect to another's, so
-- no service can reach into another's tables; they talk only through events.
-- The official postgres image runs this once, on an empty data directory:
-- after changing it, `docker compose down -v` to start from scratch.
-- The passwords are for this local stack only.

CREATE ROLE intake LOGIN PASSWORD 'intake-local';
CREATE DATABASE intake OWNER intake;
REVOKE ALL ON DATABASE intake FROM PUBLIC;

CREATE ROLE matching LOGIN PASSWORD 'matching-local';
CREATE DATABASE matching OWNER matching;
REVOKE ALL ON DATABASE matching FROM PUBLIC;

CREATE ROLE followup LOGIN PASSWORD 'followup-local';
CREATE DATABASE followup OWNER followup;
REVOKE ALL ON DATABASE followup FROM PUBLIC;

CREATE ROLE notify LOGIN PASSWORD 'notify-local';
CREATE DATABASE notify OWNER notify;
REVOKE ALL ON DATABASE notify FROM PUBLIC;

CREATE ROLE webhooks LOGIN PASSWORD 'webhooks-local';
CREATE DATABASE webhooks OWNER webhooks;
REVOKE ALL ON DATABASE webhooks FROM PUBLIC;
