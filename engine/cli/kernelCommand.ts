import { CliCommand } from './io';

// TEMPORARY scaffold, replaced before the first commit.
export const kernelCommand: CliCommand = {
  name: 'kernel',
  summary: 'not yet built',
  usage: 'iwl kernel',
  async run() {
    return 1;
  },
};
