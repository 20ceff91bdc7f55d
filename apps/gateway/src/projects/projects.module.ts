import { Module, type OnModuleInit } from '@nestjs/common';
import { ActionRegistry } from '../imm/action-registry';
import { projectActions } from './projects.actions';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';

@Module({
  providers: [ProjectsRepository, ProjectsService],
  exports: [ProjectsRepository],
})
export class ProjectsModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: ProjectsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...projectActions(this.service));
  }
}
