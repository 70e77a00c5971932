// `node --import tsx test/helpers/faults-expected.ts <folder>`: what importing the folder must store
// (see expectedOfFolder), as JSON on stdout. Run as a child so two versions parse in parallel.
import { expectedOfFolder } from './faults.ts'

const root = process.argv[2]
if (!root) {
  console.error('usage: faults-expected.ts <folder>')
  process.exit(2)
}
const expected = expectedOfFolder(root)
process.stdout.write(JSON.stringify([...expected].map(([key, locales]) => [key, [...locales]])))
