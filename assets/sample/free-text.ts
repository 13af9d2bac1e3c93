/**
 * Free text the realistic sample carries in columns the pipeline ignores: customers'
 * `display_name`, tickets' `subject`, marketing's `campaign`. Real exports quote these because they
 * hold commas, quotes, line breaks and non-ASCII text; every such row is valid.
 */

/** The draws free text needs (the generator's one PRNG stream). */
export interface TextRng {
  next(): number
  int(n: number): number
}

/** One CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

const FIRST_NAMES = [
  'Zoë', 'Jürgen', 'Anaïs', 'José', 'Łukasz', 'Øyvind', 'Chloé', 'Søren', 'Mia', 'Noah', 'Emma', 'Lukas',
  'Hannah', 'Jan', 'Sofía', 'François', 'Björn', 'Ólafur', 'Дмитрий', 'Анна', '陽翔', 'さくら', 'Ioana', 'Małgorzata',
]
const LAST_NAMES = [
  'Müller', 'Schmidt', 'Novák', 'García', 'Dubois', 'Rossi', 'van der Berg', "O'Brien", 'Kovačević', 'Öztürk', 'Nowak',
  'Smith', 'Fernández', 'Jensen', 'Иванова', 'Петров', '山田', '佐藤', 'Weiß', 'Lefèvre', 'Brontë', 'Łęcka',
]
const NICKNAMES = ['Zizi', 'Bubu', 'Dima', 'Kiki']

/** A customer's display name, as a CSV field: mostly `"Last, First"`, sometimes with a nickname in quotes, sometimes empty. */
export function displayName(rng: TextRng): string {
  const first = FIRST_NAMES[rng.int(FIRST_NAMES.length)]!
  const last = LAST_NAMES[rng.int(LAST_NAMES.length)]!
  const r = rng.next()
  if (r < 0.6) return csvField(`${last}, ${first}`)
  if (r < 0.85) return csvField(`${first} ${last}`)
  if (r < 0.9) return csvField(`${first} "${NICKNAMES[rng.int(NICKNAMES.length)]!}" ${last}`)
  return ''
}

const SUBJECTS = [
  'Card declined at checkout',
  'Cannot log in, app says "session expired"',
  'Überweisung nicht angekommen',
  'Frais bancaires, relevé de décembre',
  'Не приходит SMS-код',
  'ログインできません',
  'Dispute: "double charge", please refund',
  'Change of address',
  'Statement missing for last month',
  'Zahlung storniert – bitte prüfen',
  'Pregunta sobre la comisión, cuenta 12',
  'Trade not executed',
  '二段階認証について',
  'Limit erhöhen?',
]
const SECOND_LINES = ['New address: Hauptstr. 5, 10115 Berlin', 'Sent from my phone', 'Kind regards,\nZoë', 'Ref: "A-17"']

/** A ticket's subject, as a CSV field; about one in twenty spans several lines. */
export function ticketSubject(rng: TextRng): string {
  const r = rng.next()
  if (r < 0.05) return ''
  const subject = SUBJECTS[rng.int(SUBJECTS.length)]!
  if (r < 0.1) return csvField(`${subject}\n${SECOND_LINES[rng.int(SECOND_LINES.length)]!}`)
  if (r < 0.3) return csvField(`${subject} (ref ${rng.int(100_000)})`)
  return csvField(subject)
}

const CAMPAIGNS = ['spring_sale_2025', 'Newsletter KW03', 'Black Friday, 2024', 'ETF-Sparplan "Start"', 'Rentrée 2025', '']

/** A marketing row's campaign, as a CSV field. */
export function campaign(rng: TextRng): string {
  return csvField(CAMPAIGNS[rng.int(CAMPAIGNS.length)]!)
}

/** Extra columns a varied file may carry (ignored by the pipeline, reported as extra columns). */
export const EXTRA_COLUMNS = ['source_system', 'exported_at', 'batch_id', 'row_version', 'note'] as const
export type ExtraColumn = (typeof EXTRA_COLUMNS)[number]

const SOURCES = ['core', 'crm', 'mobile', 'legacy']
const NOTES = ['', '', '', 'migrated, v2', 'checked by "ops"', 'Prüfung']

/** One value of an extra column; `fileStamp` is the file's export time, the same on every row. */
export function extraValue(column: ExtraColumn, rng: TextRng, fileStamp: string, batch: number): string {
  switch (column) {
    case 'source_system':
      return SOURCES[rng.int(SOURCES.length)]!
    case 'exported_at':
      return fileStamp
    case 'batch_id':
      return String(batch).padStart(7, '0')
    case 'row_version':
      return String(1 + rng.int(3))
    case 'note':
      return csvField(NOTES[rng.int(NOTES.length)]!)
  }
}
