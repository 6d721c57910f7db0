export { readMailFacts, UnreadableMailError } from './raw-mail.ts';
export {
  startMailSummary,
  type MailSummaryOptions,
  type RunningMailSummary,
} from './summary-consumer.ts';
export {
  summariseMail,
  unparsedSummary,
  type RawMailFacts,
  type SummariseOptions,
} from './summarise.ts';
