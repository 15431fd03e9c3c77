import { CliCommand } from './io';

// TEMPORARY scaffold, replaced before the first commit.
export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'not yet built',
  usage: 'iwl validate',
  async run() {
    return 1;
  },
};
