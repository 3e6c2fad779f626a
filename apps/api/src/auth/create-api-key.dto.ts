import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { ROLES, type Role } from './api-key';

export class CreateApiKeyDto {
  @ApiProperty({
    description: 'Unique; becomes the actor of every event the key causes',
    example: 'ops-alice',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/, { message: 'name must be 1-64 of [A-Za-z0-9._:@-]' })
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;
}

export class CreatedApiKeyDto {
  @ApiProperty() keyId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ description: 'The key itself. Shown once: only its SHA-256 digest is stored.' })
  key!: string;
}
