# prestaties.awk - turns lines "BSN REF VORIG NR CAT CODE BEGIN EIND VOLUME EENHEID TARIEF D|C"
# (VORIG and TARIEF "-" when absent) into the Client elements of a 323, grouped by BSN in
# order of appearance. Bedrag = VOLUME x TARIEF, or VOLUME for Eenheid 83 (euro cents).
# The signed total goes to the file named by -v total=FILE as "CENTS D|C".
function line(bsn, s) { body[bsn] = body[bsn] s "\n" }
NF == 12 {
  if (!(($1) in body)) { order[++n] = $1; body[$1] = "" }
  amount = ($10 == "83") ? $9 : $9 * $11
  sum += ($12 == "C") ? -amount : amount
  line($1, "          <Prestatie>")
  line($1, "            <ProductReferentie>")
  line($1, "              <b:ReferentieNummer>" $2 "</b:ReferentieNummer>")
  if ($3 != "-") line($1, "              <b:VorigReferentieNummer>" $3 "</b:VorigReferentieNummer>")
  line($1, "            </ProductReferentie>")
  line($1, "            <ToewijzingNummer>" $4 "</ToewijzingNummer>")
  line($1, "            <ProductCategorie>" $5 "</ProductCategorie>")
  line($1, "            <ProductCode>" $6 "</ProductCode>")
  line($1, "            <ProductPeriode>")
  line($1, "              <b:Begindatum>" $7 "</b:Begindatum>")
  line($1, "              <b:Einddatum>" $8 "</b:Einddatum>")
  line($1, "            </ProductPeriode>")
  line($1, "            <GeleverdVolume>" $9 "</GeleverdVolume>")
  line($1, "            <Eenheid>" $10 "</Eenheid>")
  if ($11 != "-") line($1, "            <ProductTarief>" $11 "</ProductTarief>")
  line($1, "            <IngediendBedrag>")
  line($1, "              <b:Bedrag>" amount "</b:Bedrag>")
  line($1, "              <b:DebetCredit>" $12 "</b:DebetCredit>")
  line($1, "            </IngediendBedrag>")
  line($1, "          </Prestatie>")
}
END {
  for (i = 1; i <= n; i++) {
    print "      <Client>"
    print "        <Bsn>" order[i] "</Bsn>"
    print "        <Prestaties>"
    printf "%s", body[order[i]]
    print "        </Prestaties>"
    print "      </Client>"
  }
  printf "%.0f %s\n", (sum < 0 ? -sum : sum), (sum < 0 ? "C" : "D") > total
}
