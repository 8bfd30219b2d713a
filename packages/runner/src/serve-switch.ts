import { z } from 'zod';

/**
 * OVERSIGHT_SERVE, read the same way by both chat apps: whether `serve` runs inside the app (the
 * default) or beside it as `oversight serve`. `on`/`off`, and the words people also type for them
 * (1/0, true/false, yes/no, in-process); anything else is named as wrong rather than taken as one.
 */
const ON = ['on', '1', 'true', 'yes', 'in-process'];
const OFF = ['off', '0', 'false', 'no'];

export const ServeSwitchSchema = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const word = (value ?? '').trim().toLowerCase();
    if (word === '' || ON.includes(word)) return true;
    if (OFF.includes(word)) return false;
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is neither on nor off: OVERSIGHT_SERVE=off leaves the model and simulated turns to a separate  oversight serve  (default on: served in this process)`,
    });
    return z.NEVER;
  });
