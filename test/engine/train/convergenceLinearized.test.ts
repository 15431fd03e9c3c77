/** SCIENCE.md section 8: the finite linearized network approaches NTK gradient descent as width grows, with the gap shrinking like width^-1/2. */
import { before, test } from 'node:test';
import { useBackend } from '../../../engine/backend';
import { SETTINGS, assertConverges, familySweep } from './finiteConvergence';

before(async () => {
  await useBackend('wasm');
});

for (const setting of SETTINGS) {
  test(`the finite linearized network approaches NTK gradient descent: ${setting.name}`, async () => {
    const sweep = await familySweep('linearized', setting);
    assertConverges(sweep, setting, 'linearized, ' + setting.name);
  });
}
