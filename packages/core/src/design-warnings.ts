import { isPeopleJudged } from './assignment.ts';
import {
  type ArmRules,
  type ChatConfig,
  DISCORD_ID,
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

/** How to find a role's id in Discord's own client, for every message that asks for one. */
export const COPY_ROLE_ID =
  'in Discord, turn on Developer Mode (User Settings → Advanced), then Server Settings → Roles, right-click the role → Copy Role ID';

/**
 * Discord settings that the Discord bot refuses to serve: an admin role named by its name rather than
 * its id. A name proves nothing (anyone can make a role called "Researcher" in a server of their own
 * and add the bot to it), so the bot matches role ids only. The schema still accepts a name, because
 * configs stored before this rule are parsed again by every app that reads them; this check runs
 * where a config is planned (as a warning: the run itself needs no Discord) and where the bot starts
 * (as a refusal to serve the experiment).
 */
export function discordSetupProblems(chat: ChatConfig | undefined): DesignWarning[] {
  return (chat?.admins?.discordRoles ?? []).flatMap((role, i) =>
    DISCORD_ID.test(role)
      ? []
      : [
          {
            field: `chat.admins.discordRoles[${i}]`,
            message: `"${role}" is not a role id. Admin roles are matched by id only (a role name can be copied in any server the bot is added to), so the Discord bot will not serve this experiment until it is one: ${COPY_ROLE_ID}, and put that number here`,
          },
        ],
  );
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
  const pay = config.payment;
  if (pay && pay.ratePerPoint > 0 && config.reward.constant <= 0)
    warnings.push({
      field: 'payment.ratePerPoint',
      message: `a verdict's reward is at most reward.constant (${config.reward.constant}) less its penalties, so each verdict can only lower the bonus and a person is paid more for judging less; set reward.constant (with log base 2, a constant of 1 makes a 50/50 verdict worth 0 and a sure right one worth 1)`,
    });
  if (config.qualityControl?.exclude?.flaggedTurns)
    warnings.push({
      field: 'qualityControl.exclude.flaggedTurns',
      message:
        'turns are measured by the browser (the web app) only: judges taking part from Discord, Slack or the terminal have no measured turns, so this rule never excludes them',
    });
  const armInputs = (input.arms ?? []) as unknown as Array<Record<string, unknown>>;
  config.arms.forEach((arm, i) => {
    warnings.push(...armWarnings(armInputs[i] ?? {}, arm, i));
    const timing = timingWarning(config, arm);
    if (timing) warnings.push({ field: `arms[${i}]`, message: timing });
  });
  return warnings;
}

/**
 * People judging one arguer (consultancy, sandwiching) can time it: when the honest and the dishonest
 * side do different work, how long the judge waits for a reply says which it is (unless the arm's
 * pace hides it). Debates are symmetric: both sides' speeches of a round reach the judge together.
 */
function timingWarning(config: ExperimentConfig, arm: ExperimentConfig['arms'][number]): string | null {
  if (protocolFor(arm.protocol).arguerRoles.length !== 1 || !isPeopleJudged(config, arm)) return null;
  const honest = arm.arguer;
  const dishonest = arm.dishonestArguer ?? arm.arguer;
  if (honest.kind === 'human' || dishonest.kind === 'human')
    return `people judge one ${arm.protocol === 'sandwiching' ? 'assistant' : 'consultant'} argued by people, and a person arguing for a wrong answer may take longer: the judge sees how long each reply took (every platform timestamps messages), and nothing can pace a person's reply; the report's design audit compares the waits of honest and dishonest replies`;
  if (arm.paceSeconds) return null;
  const work = (spec: typeof honest) =>
    spec.kind === 'llm' ? `${spec.model}/${spec.induction.method}` : spec.kind;
  const differ =
    arm.dishonestArguer !== undefined || (honest.kind === 'llm' && honest.induction.method !== 'prompted');
  if (!differ) return null;
  return `people judge one ${arm.protocol === 'sandwiching' ? 'assistant' : 'consultant'} whose wrong side does other work than its honest side (${work(dishonest)}${arm.dishonestArguer ? ` vs ${work(honest)}` : ', several calls per reply against one'}): the judge can tell them apart by how long a reply takes; set "paceSeconds" on the arm above its slowest round`;
}
