// Tests choose their database explicitly; a DATABASE_URL or data dir from the developer's shell must not
// redirect them (or, worse, let them write into a real database).
delete process.env.DATABASE_URL;
delete process.env.OVERSIGHT_DATA_DIR;
