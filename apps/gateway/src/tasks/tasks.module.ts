import { Global, Module } from '@nestjs/common';
import { CommandOutbox } from './command-outbox.service';
import { TaskRecorder } from './task-recorder.service';

/** Task recording shared by every module that starts a task, and the outbox that publishes commands left behind. */
@Global()
@Module({
  providers: [TaskRecorder, CommandOutbox],
  exports: [TaskRecorder],
})
export class TasksModule {}
