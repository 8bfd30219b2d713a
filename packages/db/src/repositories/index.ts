import type { PrismaClient } from '../generated/prisma/client.ts';
import type { RawQuery } from '../raw.ts';
import { type AuditRepository, auditRepository } from './audit.ts';
import { type ChatRepository, chatRepository } from './chat.ts';
import { type AppendBatching, type EventsRepository, eventsRepository } from './events.ts';
import { type ExperimentsRepository, experimentsRepository } from './experiments.ts';
import { type JudgmentsRepository, judgmentsRepository } from './judgments.ts';
import { type LlmRepository, llmRepository } from './llm.ts';
import { type OutboxRepository, outboxRepository } from './outbox.ts';
import { type ParticipantsRepository, participantsRepository } from './participants.ts';
import { type PaymentsRepository, paymentsRepository } from './payments.ts';
import { type QualityRepository, qualityRepository } from './quality.ts';
import { type QuestionsRepository, questionsRepository } from './questions.ts';
import { type TrialsRepository, trialsRepository } from './trials.ts';

export interface Repositories {
  experiments: ExperimentsRepository;
  questions: QuestionsRepository;
  participants: ParticipantsRepository;
  trials: TrialsRepository;
  events: EventsRepository;
  judgments: JudgmentsRepository;
  llm: LlmRepository;
  outbox: OutboxRepository;
  chat: ChatRepository;
  payments: PaymentsRepository;
  quality: QualityRepository;
  audit: AuditRepository;
}

export function createRepositories(
  prisma: PrismaClient,
  raw: RawQuery,
  batching: AppendBatching = {},
): Repositories {
  return {
    experiments: experimentsRepository(prisma),
    questions: questionsRepository(prisma),
    participants: participantsRepository(prisma),
    trials: trialsRepository(prisma, raw),
    events: eventsRepository(prisma, raw, batching),
    judgments: judgmentsRepository(prisma, raw),
    llm: llmRepository(prisma),
    outbox: outboxRepository(prisma),
    chat: chatRepository(prisma),
    payments: paymentsRepository(prisma),
    quality: qualityRepository(raw),
    audit: auditRepository(raw),
  };
}

export type {
  AppendBatching,
  AuditRepository,
  ChatRepository,
  EventsRepository,
  ExperimentsRepository,
  JudgmentsRepository,
  LlmRepository,
  OutboxRepository,
  ParticipantsRepository,
  PaymentsRepository,
  QualityRepository,
  QuestionsRepository,
  TrialsRepository,
};
