/** The product's name with its mark. */
export function Brand({ className }: { className?: string }) {
  return (
    <span className={className}>
      <span aria-hidden className="mr-1.5 text-primary-600">
        ◆
      </span>
      Stratum
    </span>
  )
}
