/** SCIENCE.md section 8: finite momentum (all layers) approaches NTK momentum as width grows, with the gap shrinking like width^-1/2. */
import { before, test } from 'node:test';
import { useBackend } from '../../../engine/backend';
import { SETTINGS, assertConverges, familySweep } from './finiteConvergence';

before(async () => {
  await useBackend('wasm');
});

for (const setting of SETTINGS) {
  test(`finite momentum (all layers) approaches NTK momentum: ${setting.name}`, async () => {
    const sweep = await familySweep('momentum', setting);
    assertConverges(sweep, setting, 'momentum, ' + setting.name);
  });
}
