// The consumer's work as a pipeline stage: "stores" a message (here: formats it) in a worker.
export default function store(message, context) {
  return { ...message, storedBy: context.index };
}
