import { Global, Module } from '@nestjs/common';
import { TaskRecorder } from './task-recorder.service';

/** Task recording shared by every module that starts a task. */
@Global()
@Module({
  providers: [TaskRecorder],
  exports: [TaskRecorder],
})
export class TasksModule {}
