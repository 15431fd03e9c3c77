import { CliCommand } from './io';

// TEMPORARY scaffold, replaced before the first commit.
export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'not yet built',
  usage: 'iwl schema',
  async run() {
    return 1;
  },
};
