import { type ArmRules, ArmRulesSchema, type Question, type TrialCreated } from '../src/index.ts';

export const story = [
  'The rocket stood on the plain for forty days before anyone dared to approach it.',
  'Captain Mara Voss had ordered the crew to wait until the engines cooled completely.',
  'When the hatch finally opened, a smell of burnt sugar rolled across the camp.',
  'Nobody aboard had survived, but the logbook was intact and written in a steady hand.',
  'It said the navigator had changed course to avoid a storm that never came.',
].join(' ');

export const question: Question = {
  id: 'q1',
  storyId: 's1',
  storyTitle: 'The Quiet Rocket',
  question: 'Why did the navigator change course?',
  answers: [
    'To avoid a storm that never came',
    'To reach the plain sooner',
    'Because the captain ordered it',
  ],
  correctIndex: 0,
  source: story,
  metadata: {},
};

export function rules(overrides: Partial<ArmRules> & Pick<ArmRules, 'protocol'>): ArmRules {
  return ArmRulesSchema.parse(overrides);
}

export function created(r: ArmRules, correctDisplayed = 0): TrialCreated {
  const roles =
    r.protocol === 'debate' || r.protocol === 'interactive-debate'
      ? (['debater-a', 'debater-b'] as const)
      : r.protocol === 'consultancy'
        ? (['consultant'] as const)
        : r.protocol === 'sandwiching'
          ? (['assistant'] as const)
          : ([] as const);
  return {
    type: 'TrialCreated',
    trialId: 't1',
    experimentId: 'e1',
    arm: 'arm',
    rules: r,
    questionId: question.id,
    storyId: question.storyId,
    judgeId: 'judge-1',
    displayed: correctDisplayed === 0 ? [0, 1] : [1, 0],
    correctDisplayed,
    arguers: roles.map((role, i) => ({
      role,
      participantId: 'arguer',
      answer: roles.length === 1 ? 0 : i,
      honest: (roles.length === 1 ? 0 : i) === correctDisplayed,
    })),
    induction: null,
    seed: 'seed',
  };
}
