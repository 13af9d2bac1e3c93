/**
 * The one-line descriptions of the commands the CDI definitions add. A module of its own, with
 * no imports, so `strata --help` can list these commands without loading the definitions
 * (which bring DuckDB and the landing clients).
 */
export const COMMAND_SUMMARIES = {
  'generate-sample': 'write realistic, deterministic landing data (ingest_date=YYYY-MM-DD folders) to the landing root',
  demo: 'generate sample data if needed, build the last 14 days of every asset, print the drift summary',
} as const
