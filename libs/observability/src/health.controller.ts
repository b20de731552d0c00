import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthRegistry } from './health.registry';
import { MetricsService } from './metrics.service';

/** `/health/live`, `/health/ready` and `/metrics`, served by every app. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthRegistry,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health/live')
  @HttpCode(200)
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('health/ready')
  async ready(@Res() res: Response): Promise<void> {
    const result = await this.health.run();
    res.status(result.ok ? 200 : 503).json({ status: result.ok ? 'up' : 'down', checks: result.checks });
  }

  @Get('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}
