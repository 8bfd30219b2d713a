import { isPeopleJudged } from './assignment.ts';
import {
  type ArmRules,
  type ExperimentConfig,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
} from './experiment-config.ts';
import { protocolFor } from './protocols.ts';

/**
 * Designs that are valid but probably not what the researcher meant: they run, and the result is
 * weaker or different from what the config seems to say. Errors stop a run; these are printed.
 */
export interface DesignWarning {
  /** The config field, as in validation messages: `arms[1].trialsPerQuestion`. */
  field: string;
  message: string;
}

type ArmSetting = keyof ArmRules | 'arguer' | 'dishonestArguer' | 'arguerPools';

/** The arm settings each protocol never reads, with the reason a researcher would want to know. */
function ignoredSettings(protocol: ArmRules['protocol']): Map<ArmSetting, string> {
  const def = protocolFor(protocol);
  const ignored = new Map<ArmSetting, string>();
  if (def.arguerRoles.length === 0) {
    const why = `${protocol} has no arguers and a single judge turn`;
    for (const setting of [
      'arguer',
      'dishonestArguer',
      'rounds',
      'speeches',
      'charLimit',
      'quoteLimit',
      'judgeMayEndEarly',
      'beliefsEachRound',
      'arguerPools',
    ] as const)
      ignored.set(setting, why);
    return ignored;
  }
  if (def.arguerRoles.length === 1)
    ignored.set('speeches', `${protocol} has one arguer, so there is nothing to speak at the same time`);
  if (protocol === 'sandwiching')
    ignored.set('judgeMayEndEarly', 'in sandwiching the person may always answer as soon as they like');
  return ignored;
}

function armWarnings(input: Record<string, unknown>, arm: ExperimentConfig['arms'][number], i: number) {
  const warnings: DesignWarning[] = [];
  const arguers = protocolFor(arm.protocol).arguerRoles.length;
  if (arguers > 0 && arm.trialsPerQuestion % 2 === 1) {
    const what =
      arguers === 1
        ? 'the arguer is honest in more trials of each question than it is dishonest (or the reverse)'
        : 'each debater defends the correct answer more often than the wrong one on some questions';
    warnings.push({
      field: `arms[${i}].trialsPerQuestion`,
      message: `${arm.trialsPerQuestion} is odd, so the design is unbalanced: ${what}, and on each question the correct answer is shown first more often than second or the reverse; use an even number${arguers === 1 ? ' (a multiple of four also balances the answer order)' : ''}`,
    });
  }
  const ignored = ignoredSettings(arm.protocol);
  if (arguers > 0 && arm.arguer.kind !== 'human' && arm.dishonestArguer?.kind !== 'human')
    ignored.set(
      'arguerPools',
      `the arm's arguers are ${arm.arguer.kind} participants, not people from a pool`,
    );
  for (const [setting, why] of ignored) {
    if (input[setting] === undefined) continue;
    warnings.push({
      field: `arms[${i}].${setting}`,
      message: `ignored: ${why}; remove it, or use a protocol that uses it`,
    });
  }
  return warnings;
}

/**
 * Warnings for a config that passes validation. `input` is the config as written (to tell a
 * setting the researcher wrote from a default); `datasetSize` is the number of questions in its
 * dataset.
 */
export function designWarnings(input: ExperimentConfigInput, datasetSize: number): DesignWarning[] {
  const config = ExperimentConfigSchema.parse(input);
  const warnings: DesignWarning[] = [];
  const { limit, ids } = config.questions;
  const available = ids ? ids.length : datasetSize;
  if (limit !== undefined && limit > available) {
    warnings.push({
      field: 'questions.limit',
      message: `${limit} is more than the ${available} questions ${ids ? 'listed in questions.ids' : 'in the dataset'}, so all ${available} are used; lower the limit or use a larger dataset`,
    });
  }
  if (config.eachStoryOnce === 'per-experiment') {
    const peopleJudge = config.arms.some((arm) => isPeopleJudged(config, arm));
    warnings.push({
      field: 'eachStoryOnce',
      message: peopleJudge
        ? '"per-experiment" lets a person judge a story they judged or argued in another experiment on the same dataset, where they may have been shown its answer, so their verdict on it is not blind; remove it unless this is a planned re-test (the design audit lists those seats)'
        : 'ignored: no arm is judged by people, and only people remember stories; remove it',
    });
  }
  const armInputs = (input.arms ?? []) as unknown as Array<Record<string, unknown>>;
  config.arms.forEach((arm, i) => {
    warnings.push(...armWarnings(armInputs[i] ?? {}, arm, i));
  });
  return warnings;
}
