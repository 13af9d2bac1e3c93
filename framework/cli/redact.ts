const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECURITY_TOKEN']
const SECRET_PATTERNS = [
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // access key ids
  /(aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken|X-Amz-Security-Token|X-Amz-Credential|Signature)(["'=:\s]+)[^\s"'&,]+/gi,
]

/**
 * Remove AWS credentials from text bound for a terminal, a log or a run record: the values of
 * the credential environment variables wherever they appear, and anything shaped like a key.
 */
export function redactSecrets(text: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  let out = text
  for (const name of SECRET_ENV) {
    const value = env[name]
    if (value && value.length >= 8) out = out.split(value).join('[redacted]')
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, (match, key?: string, sep?: string) => (key && sep !== undefined ? `${key}${sep}[redacted]` : '[redacted]'))
  return out
}
