/** Workflow commands quote repository text: none may end its line and start another command. */
import { warningCommand } from '../../src/action/workflow-commands.js';

test('a warning cannot start a second workflow command (CR, LF, %)', () => {
  const w = warningCommand('ref x\r::add-mask::y\n::set-output name=failed::false 100%');
  expect(w.split(/[\r\n]/)).toHaveLength(1);
  expect(w).toBe('::warning::ref x%0D::add-mask::y%0A::set-output name=failed::false 100%25');
});
