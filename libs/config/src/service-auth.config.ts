import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { defineConfig } from './define-config';

/**
 * Service-to-service authentication. A server accepts a bearer token whose SHA-256 is listed in
 * SERVICE_TOKEN_HASHES (several, so a token can be rotated without a gap); a caller sends SERVICE_TOKEN. Only the
 * hash lives on the server, so its configuration does not hand out the token.
 */
export class ServiceAuthConfig {
  /** Lowercase hex SHA-256 digests of the accepted tokens; empty means every internal route answers 401. */
  @Matches(/^[0-9a-f]{64}$/, {
    each: true,
    message: 'each entry must be a lowercase hex SHA-256 digest (64 characters)',
  })
  tokenHashes!: string[];

  /** The token this app sends when it calls another app's internal routes. */
  @IsOptional()
  @IsString()
  @MinLength(32, {
    message: 'must be at least 32 characters (use `npx stocksync init` or 32 random bytes, base64url)',
  })
  token?: string;
}

export const serviceAuthConfig = defineConfig('serviceAuth', ServiceAuthConfig, {
  tokenHashes: {
    name: 'SERVICE_TOKEN_HASHES',
    parse: 'list',
    default: '',
    generate: { sha256Of: 'SERVICE_TOKEN' },
  },
  token: { name: 'SERVICE_TOKEN', secret: true },
});
