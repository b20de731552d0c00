'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** runtimes/shared: the image copies it beside the agent's folder (/opt/ofg-agent/shared); the repository has it two up. */
const SHARED_DIR = ['../shared', '../../shared']
  .map((relative) => path.join(__dirname, relative))
  .find((dir) => fs.existsSync(path.join(dir, 'protocol-server.js')));

module.exports = { SHARED_DIR };
