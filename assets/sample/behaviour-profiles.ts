import { cumulative } from './sample-rng.js'

/** The four behaviour groups the sample is drawn from (the segment model should find them again). */
export type BehaviourGroup = 'digital_native' | 'digital_adopter' | 'hybrid' | 'traditional'

// Behaviour profiles. The numbers are chosen so that the groups differ clearly on every model
// feature of SPEC §5, while the whole population averages about 0.3 increment rows per day.

export const GROUPS: readonly BehaviourGroup[] = ['digital_native', 'digital_adopter', 'hybrid', 'traditional']
export const GROUP_SHARE = [0.15, 0.25, 0.32, 0.28]
export const INACTIVE_SHARE = [0.02, 0.04, 0.07, 0.12]
/** Initial probability of e-statements, robo advice, alerts. */
export const SNAPSHOT_ON = [
  [0.95, 0.55, 0.85],
  [0.8, 0.3, 0.65],
  [0.45, 0.1, 0.4],
  [0.1, 0.02, 0.15],
]
/** Probability that a customer who starts without a feature turns it on during the sample. */
export const ADOPTION = [0.3, 0.25, 0.12, 0.04]
export const ABANDON = 0.02

export const EVENT_CHANNELS = ['app', 'web', 'branch', 'phone', 'atm'] as const
export const TRADE_CHANNELS = ['app', 'web', 'branch', 'phone', 'advisor'] as const
export const RESOLVED_VIA = ['app', 'web', 'chat', 'phone', 'branch', 'email', ''] as const
export const MARKETING_EVENTS = ['email_open', 'email_click', 'webinar_registered', 'webinar_attended', 'push_open', 'newsletter_signup'] as const
export const DIGITAL_EVENTS = ['view', 'transfer', 'payment', 'profile_update'] as const
export const BRANCH_EVENTS = ['visit', 'transfer', 'withdrawal', 'deposit'] as const
export const PHONE_EVENTS = ['call', 'transfer', 'balance_inquiry'] as const
export const ATM_EVENTS = ['withdrawal', 'deposit', 'balance_inquiry'] as const
export const COUNTRIES = ['DE', 'AT', 'CH', 'NL', 'FR', 'GB', 'US', 'ES', 'IT', '']
export const COUNTRY_WEIGHTS = [0.4, 0.12, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.05]
export const CURRENCIES = ['EUR', 'USD', 'CHF', 'GBP', '']
export const CURRENCY_WEIGHTS = [0.7, 0.15, 0.05, 0.03, 0.07]
export const BOOLEAN_STYLES: readonly (readonly [string, string])[] = [
  ['false', 'true'],
  ['0', '1'],
  ['FALSE', 'TRUE'],
]

export interface ProfileSpec {
  /** Expected rows per day for channel_events, trades, tickets, marketing. */
  readonly rates: readonly [number, number, number, number]
  readonly eventChannels: readonly number[]
  /** Share of app/web channel events that are logins. */
  readonly loginShare: number
  readonly tradeChannels: readonly number[]
  readonly notionalMedian: number
  readonly notionalSigma: number
  readonly resolvedVia: readonly number[]
  readonly marketing: readonly number[]
}

export const BASE_PROFILES: readonly ProfileSpec[] = [
  {
    rates: [0.7, 0.05, 0.008, 0.05],
    eventChannels: [0.72, 0.22, 0.01, 0.02, 0.03],
    loginShare: 0.7,
    tradeChannels: [0.68, 0.27, 0.01, 0.02, 0.02],
    notionalMedian: 900,
    notionalSigma: 0.8,
    resolvedVia: [0.4, 0.18, 0.3, 0.03, 0.01, 0.03, 0.05],
    marketing: [0.15, 0.08, 0.12, 0.4, 0.23, 0.02],
  },
  {
    rates: [0.35, 0.04, 0.008, 0.035],
    eventChannels: [0.48, 0.32, 0.05, 0.05, 0.1],
    loginShare: 0.6,
    tradeChannels: [0.42, 0.33, 0.05, 0.08, 0.12],
    notionalMedian: 2500,
    notionalSigma: 0.8,
    resolvedVia: [0.22, 0.22, 0.2, 0.16, 0.06, 0.06, 0.08],
    marketing: [0.3, 0.12, 0.12, 0.3, 0.14, 0.02],
  },
  {
    rates: [0.16, 0.03, 0.01, 0.02],
    eventChannels: [0.18, 0.24, 0.22, 0.16, 0.2],
    loginShare: 0.5,
    tradeChannels: [0.18, 0.2, 0.2, 0.17, 0.25],
    notionalMedian: 8000,
    notionalSigma: 0.9,
    resolvedVia: [0.08, 0.12, 0.1, 0.35, 0.18, 0.09, 0.08],
    marketing: [0.45, 0.15, 0.1, 0.18, 0.08, 0.04],
  },
  {
    rates: [0.05, 0.02, 0.012, 0.008],
    eventChannels: [0.03, 0.06, 0.45, 0.26, 0.2],
    loginShare: 0.4,
    tradeChannels: [0.02, 0.04, 0.42, 0.27, 0.25],
    notionalMedian: 25000,
    notionalSigma: 1,
    resolvedVia: [0.01, 0.02, 0.01, 0.48, 0.3, 0.08, 0.1],
    marketing: [0.7, 0.12, 0.05, 0.05, 0, 0.08],
  },
]

/** After `driftFrom` the two digital groups log in more and trade more through app and web. */
export const DRIFTED_PROFILES: readonly ProfileSpec[] = [
  {
    ...BASE_PROFILES[0]!,
    rates: [1.05, 0.06, 0.008, 0.06],
    eventChannels: [0.8, 0.17, 0, 0.01, 0.02],
    loginShare: 0.8,
    tradeChannels: [0.78, 0.2, 0, 0.01, 0.01],
    resolvedVia: [0.45, 0.15, 0.33, 0.02, 0, 0.02, 0.03],
  },
  {
    ...BASE_PROFILES[1]!,
    rates: [0.55, 0.05, 0.008, 0.045],
    eventChannels: [0.6, 0.3, 0.02, 0.03, 0.05],
    loginShare: 0.7,
    tradeChannels: [0.6, 0.3, 0.02, 0.03, 0.05],
    resolvedVia: [0.3, 0.25, 0.25, 0.08, 0.03, 0.04, 0.05],
  },
  BASE_PROFILES[2]!,
  BASE_PROFILES[3]!,
]

export interface Profile {
  readonly totalRate: number
  readonly tableCum: Float64Array
  readonly eventChannelCum: Float64Array
  readonly loginShare: number
  readonly tradeChannelCum: Float64Array
  readonly notionalMu: number
  readonly notionalSigma: number
  readonly resolvedCum: Float64Array
  readonly marketingCum: Float64Array
}

/** A group's behaviour as cumulative shares, its table rates scaled by the sample shape. */
export function compile(spec: ProfileSpec, scale: readonly number[]): Profile {
  const rates = spec.rates.map((rate, k) => rate * scale[k]!)
  return {
    totalRate: rates.reduce((a, b) => a + b, 0),
    tableCum: cumulative(rates),
    eventChannelCum: cumulative(spec.eventChannels),
    loginShare: spec.loginShare,
    tradeChannelCum: cumulative(spec.tradeChannels),
    notionalMu: Math.log(spec.notionalMedian),
    notionalSigma: spec.notionalSigma,
    resolvedCum: cumulative(spec.resolvedVia),
    marketingCum: cumulative(spec.marketing),
  }
}

export const CURRENCY_CUM = cumulative(CURRENCY_WEIGHTS)
