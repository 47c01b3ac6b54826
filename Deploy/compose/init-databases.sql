-- One database and role per service, as Deploy/local/postgres.sh makes them (local passwords).
CREATE ROLE lyrica_auth LOGIN PASSWORD 'lyrica_auth';
CREATE DATABASE lyrica_auth OWNER lyrica_auth;
CREATE ROLE lyrica_lyrics LOGIN PASSWORD 'lyrica_lyrics';
CREATE DATABASE lyrica_lyrics OWNER lyrica_lyrics;
CREATE ROLE lyrica_generation LOGIN PASSWORD 'lyrica_generation';
CREATE DATABASE lyrica_generation OWNER lyrica_generation;
CREATE ROLE lyrica_retrieval LOGIN PASSWORD 'lyrica_retrieval';
CREATE DATABASE lyrica_retrieval OWNER lyrica_retrieval;
CREATE ROLE lyrica_feedback LOGIN PASSWORD 'lyrica_feedback';
CREATE DATABASE lyrica_feedback OWNER lyrica_feedback;
