// The one door to an SDK internal: histories are read and written as `temporal workflow show
// --output json` does, and no public export of @temporalio/* does that. These need one protobufjs 8
// for all of @temporalio/*: package.json depends on protobufjs directly so that npm hoists it
// instead of nesting a copy under each package (grpc keeps its 7).
export { type History, historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
