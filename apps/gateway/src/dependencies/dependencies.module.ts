import { Module } from '@nestjs/common';
import { AuthzModule } from '../authz/authz.module';
import { FunctionsModule } from '../functions/functions.module';
import { DependenciesController } from './dependencies.controller';
import { DependenciesService } from './dependencies.service';
import { DependencyPackageService } from './dependency-package.service';

/** The dependency API; package download and checks come from the functions module's CodePackageService. */
@Module({
  imports: [FunctionsModule, AuthzModule],
  controllers: [DependenciesController],
  providers: [DependencyPackageService, DependenciesService],
})
export class DependenciesModule {}
