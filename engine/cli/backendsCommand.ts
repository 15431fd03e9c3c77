import { CliCommand } from './io';

// TEMPORARY scaffold, replaced before the first commit.
export const backendsCommand: CliCommand = {
  name: 'backends',
  summary: 'not yet built',
  usage: 'iwl backends',
  async run() {
    return 1;
  },
};
