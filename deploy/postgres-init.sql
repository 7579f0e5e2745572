-- Run once by the postgres image on an empty data directory: the Dagster instance uses the database
-- POSTGRES_DB (dagster); the pipeline's store gets its own database.
CREATE DATABASE cafe24 OWNER dagster;
