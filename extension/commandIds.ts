/** Command ids, as package.json contributes them. */
export const commandIds = {
  runExperiment: 'infiniteWidthLab.runExperiment',
  runModel: 'infiniteWidthLab.runModel',
  runOnSlurm: 'infiniteWidthLab.runOnSlurm',
  stopRun: 'infiniteWidthLab.stopRun',
  restartEngine: 'infiniteWidthLab.restartEngine',
  openResults: 'infiniteWidthLab.openResults',
  openResultsAsText: 'infiniteWidthLab.openResultsAsText',
  showRunHistory: 'infiniteWidthLab.showRunHistory',
  compareRuns: 'infiniteWidthLab.compareRuns',
  exportRun: 'infiniteWidthLab.exportRun',
  selectBackend: 'infiniteWidthLab.selectBackend',
  deleteRun: 'infiniteWidthLab.deleteRun',
  revealRun: 'infiniteWidthLab.revealRun',
  refreshRuns: 'infiniteWidthLab.refreshRuns',
  showLog: 'infiniteWidthLab.showLog',
  showRunPanel: 'infiniteWidthLab.showRunPanel',
  showComparison: 'infiniteWidthLab.showComparison',
  openExperimentsTable: 'infiniteWidthLab.openExperimentsTable',
  newExperimentFromExample: 'infiniteWidthLab.newExperimentFromExample',
} as const;

export const runsViewId = 'infiniteWidthLab.runs';
