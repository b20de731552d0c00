import { Module } from '@nestjs/common';
import { ReadinessChecksRegistrar } from './readiness-checks.registrar';

@Module({ providers: [ReadinessChecksRegistrar] })
export class HealthModule {}
