import { z } from 'zod';

/** The oversight protocols, named as in the literature. */
export const PROTOCOL_KINDS = [
  'debate',
  'interactive-debate',
  'consultancy',
  'sandwiching',
  'judge-alone',
  'oracle',
] as const;
export const ProtocolKindSchema = z.enum(PROTOCOL_KINDS, {
  error: () => `unknown protocol; use one of: ${PROTOCOL_KINDS.join(', ')}`,
});
export type ProtocolKind = z.infer<typeof ProtocolKindSchema>;

export const ARGUER_ROLES = ['debater-a', 'debater-b', 'consultant', 'assistant'] as const;
export type ArguerRole = (typeof ARGUER_ROLES)[number];
export type Role = ArguerRole | 'judge';
export const RoleSchema = z.enum([...ARGUER_ROLES, 'judge']);
