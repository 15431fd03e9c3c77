#!/usr/bin/env node
'use strict';
// The `iwl` command: the engine, headless. `npm run build` makes dist/iwl.js.
require('../dist/iwl.js').cli();
