/** SCIENCE.md section 8: finite readout-only training approaches NNGP gradient descent as width grows, with the gap shrinking like width^-1/2. */
import { before, test } from 'node:test';
import { useBackend } from '../../../engine/backend';
import { SETTINGS, assertConverges, familySweep } from './finiteConvergence';

before(async () => {
  await useBackend('wasm');
});

for (const setting of SETTINGS) {
  test(`finite readout-only training approaches NNGP gradient descent: ${setting.name}`, async () => {
    const sweep = await familySweep('readout', setting);
    assertConverges(sweep, setting, 'readout, ' + setting.name);
  });
}
