import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { type Principal, type Role, ROLES } from './api-key';
import { CurrentPrincipal } from './principal.decorator';
import { Authenticated } from './roles.decorator';

export class MeDto {
  @ApiProperty({ example: '0123456789abcdef' }) keyId!: string;
  @ApiProperty({ example: 'ops-sam' }) name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}

/**
 * The presented key as the API sees it, so a client can offer only what the key's role may do. Never the key
 * itself or its hash; the bootstrap admin key answers with its reserved name as both id and name.
 */
@ApiTags('api-keys')
@Authenticated()
@Controller('v1/me')
export class MeHttpController {
  @Get()
  @ApiOperation({ summary: "The presented API key's id, name and role (every role)" })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return { keyId: principal.keyId, name: principal.name, role: principal.role };
  }
}
