// Imported before @ofg/testing (which reads these at load) so a benchmark never overwrites an end-to-end stack's files.
process.env['E2E_STACK_FILE'] ??= 'tmp/bench/stack.json';
process.env['E2E_LOG_DIR'] ??= 'tmp/bench/logs';
