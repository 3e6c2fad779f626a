import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { issueApiKey, type Principal } from './api-key';
import { ApiKeysRepository } from './api-keys.repository';
import { AuthService, BOOTSTRAP_ADMIN_NAME } from './auth.service';
import { CreateApiKeyDto, CreatedApiKeyDto } from './create-api-key.dto';
import { CurrentPrincipal } from './principal.decorator';
import { Authenticated, Roles } from './roles.decorator';

@ApiTags('api-keys')
@Authenticated()
@Roles() // admin only, reads included
@Controller('v1/api-keys')
export class ApiKeysHttpController {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key (admin). The key is in the answer and nowhere else.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiConflictResponse({ description: 'API.CONFLICT: the name is taken' })
  async create(
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedApiKeyDto> {
    if (body.name === BOOTSTRAP_ADMIN_NAME) {
      throw new ApiError(HttpStatus.CONFLICT, 'API.CONFLICT', `${BOOTSTRAP_ADMIN_NAME} is reserved`);
    }
    const issued = issueApiKey();
    const inserted = await this.keys.insert({
      ...body,
      keyId: issued.keyId,
      hash: issued.hash,
      createdBy: caller.name,
    });
    if (!inserted)
      throw new ApiError(HttpStatus.CONFLICT, 'API.CONFLICT', `an API key named ${body.name} exists`);
    return { keyId: issued.keyId, name: body.name, role: body.role, key: issued.key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  async list() {
    const keys = await this.keys.list();
    return keys.map(({ hash: _hash, ...rest }) => rest);
  }

  @Delete(':keyId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API key (takes effect within 5 s on every instance)' })
  async revoke(@Param('keyId') keyId: string): Promise<void> {
    if (!(await this.keys.revoke(keyId))) throw ApiError.notFound(`no active API key ${keyId}`);
    this.auth.forget(keyId);
  }
}
