/// Plain words for which way a feature's difference points, for the columns whose codes run
/// against intuition or whose meaning is too terse to say it (the subset's 85 columns, the same
/// names in the full layout, and the engineered parts of the mixed columns). A segment whose
/// centre has higher codes than the population is `higher`; lower codes, `lower`. So
/// CAMEO_INTL_2015_WEALTH (1 = wealthy ... 5 = poorer) at 1.75 against 3.27 reads "wealthier", and
/// SEMIO_KULT (1 = highest affinity) at 2.5 against 4.0 reads "more culture-minded".
///
/// For a two-code column, `higher` names its second code (the recoded 1) and `lower` its first.
/// `scale` says what the codes run from and to where the column's own meaning does not, and
/// `codes` names each code from `firstCode` on, so a centre can be said as its typical code
/// ("older (typically over 60)").
struct TraitWords: Sendable {
    var higher: String
    var lower: String
    var scale: String? = nil
    var codes: [String] = []
    var firstCode = 1

    /// The name of the code nearest `value`, when the codes are named.
    func typical(_ value: Double) -> String? {
        guard !codes.isEmpty, value.isFinite else { return nil }
        let i = Int((value - Double(firstCode)).rounded())
        return codes[max(0, min(codes.count - 1, i))]
    }

    static func of(_ feature: String) -> TraitWords? { table[feature] }

    /// Written for the published meanings of the codes (the DIAS attribute descriptions summarised
    /// in reference/azdias_features.csv): the direction of every ordinal scale was checked against
    /// its "1 = ..." end.
    private static let table: [String: TraitWords] = {
        var t: [String: TraitWords] = [
            "ALTERSKATEGORIE_GROB": .init(higher: "older", lower: "younger", scale: "1 = under 30 ... 4 = over 60",
                                          codes: ["under 30", "30-45", "46-60", "over 60"]),
            "HH_EINKOMMEN_SCORE": .init(higher: "lower-income", lower: "higher-income", scale: "1 = highest income ... 6 = very low"),
            "W_KEIT_KIND_HH": .init(higher: "less likely to have a child at home", lower: "more likely to have a child at home",
                                    scale: "1 = most likely ... 6 = least"),
            "WOHNDAUER_2008": .init(higher: "longer at their address", lower: "newer at their address", scale: "1 = under 1 year ... 9 = over 10 years"),
            "ALTER_HH": .init(higher: "in households with a younger head", lower: "in households with an older head",
                              scale: "household head's birth, 1 = 1895-99 ... 21 = 1995-99"),
            "ANZ_PERSONEN": .init(higher: "in larger households", lower: "in smaller households"),
            "ANZ_HAUSHALTE_AKTIV": .init(higher: "in bigger buildings", lower: "in smaller buildings"),
            "RETOURTYP_BK_S": .init(higher: "returning fewer products", lower: "returning more products",
                                    scale: "1 = impulsive heavy returner ... 5 = determined minimal returner"),
            "HEALTH_TYP": .init(higher: "more hedonistic about health", lower: "more health-critical",
                                scale: "1 = critical reserved, 2 = sanitary affine, 3 = jaunty hedonist"),
            "ONLINE_AFFINITAET": .init(higher: "more online", lower: "less online", scale: "0 = none ... 5 = highest", firstCode: 0),
            "KONSUMNAEHE": .init(higher: "farther from shops", lower: "nearer to shops", scale: "1 = a point of sale within 125 m ... 7 = none within 10 km"),
            "BALLRAUM": .init(higher: "farther from an urban centre", lower: "nearer to an urban centre", scale: "1 = under 10 km ... 7 = over 100 km"),
            "INNENSTADT": .init(higher: "farther from a city centre", lower: "nearer to a city centre", scale: "1 = in the centre ... 8 = over 40 km"),
            "EWDICHTE": .init(higher: "in denser areas", lower: "in sparser areas", scale: "1 = under 34 ... 6 = over 999 households per km²"),
            "ORTSGR_KLS9": .init(higher: "in larger communities", lower: "in smaller communities", scale: "1 = up to 2,000 inhabitants ... 9 = over 700,000"),
            "GEBAEUDETYP_RASTER": .init(higher: "in more residential areas", lower: "in more business areas", scale: "1 = business cell ... 5 = residential cell"),
            "KKK": .init(higher: "in regions of lower purchasing power", lower: "in regions of higher purchasing power", scale: "1 = very high ... 4 = low"),
            "REGIOTYP": .init(higher: "in less well-off neighbourhoods", lower: "in better-off neighbourhoods", scale: "1 = upper class ... 7 = marginal groups"),
            "MOBI_REGIO": .init(higher: "in less mobile regions", lower: "in more mobile regions", scale: "1 = very high mobility ... 6 = none"),
            "ARBEIT": .init(higher: "in communities with more unemployment", lower: "in communities with less unemployment", scale: "1 = very low ... 5 = very high"),
            "RELAT_AB": .init(higher: "with more unemployment than their county", lower: "with less unemployment than their county", scale: "1 = very low ... 5 = very high"),
            "KBA13_ANZAHL_PKW": .init(higher: "in regions with more cars", lower: "in regions with fewer cars"),
            "KBA05_GBZ": .init(higher: "in microcells with more buildings", lower: "in microcells with fewer buildings"),
            "PLZ8_GBZ": .init(higher: "in regions with more buildings", lower: "in regions with fewer buildings"),
            "PLZ8_HHZ": .init(higher: "in regions with more households", lower: "in regions with fewer households"),
            "MIN_GEBAEUDEJAHR": .init(higher: "in buildings recorded later", lower: "in buildings recorded earlier"),
            "GEBURTSJAHR": .init(higher: "born later", lower: "born earlier"),
            // The engineered parts of the mixed columns.
            "PRAEGENDE_JUGENDJAHRE_DECADE": .init(higher: "of a younger generation", lower: "of an older generation",
                                                  codes: ["youth in the 1940s", "youth in the 1950s", "youth in the 1960s",
                                                          "youth in the 1970s", "youth in the 1980s", "youth in the 1990s"]),
            "PRAEGENDE_JUGENDJAHRE_MOVEMENT": .init(higher: "more mainstream in their youth", lower: "more avantgarde in their youth",
                                                    scale: "0 = avantgarde, 1 = mainstream", firstCode: 0),
            "CAMEO_INTL_2015_WEALTH": .init(higher: "poorer", lower: "wealthier",
                                            codes: ["wealthy households", "prosperous households", "comfortable households",
                                                    "less affluent households", "poorer households"]),
            "CAMEO_INTL_2015_LIFE_STAGE": .init(higher: "later in life", lower: "earlier in life",
                                                codes: ["pre-family couples and singles", "young couples with children",
                                                        "families with school-age children", "older families and mature couples",
                                                        "elders in retirement"]),
            "WOHNLAGE_QUALITY": .init(higher: "in poorer neighbourhoods", lower: "in better neighbourhoods"),
            "WOHNLAGE_RURAL": .init(higher: "more rural", lower: "less rural"),
            "PLZ8_BAUMAX_FAMILY": .init(higher: "in regions of bigger apartment buildings", lower: "in regions of 1-2-family homes"),
            "KBA05_BAUMAX_FAMILY": .init(higher: "among bigger apartment buildings", lower: "among 1-2-family homes"),
            "PLZ8_BAUMAX_BUSINESS": .init(higher: "more in business regions", lower: "less in business regions"),
            "KBA05_BAUMAX_BUSINESS": .init(higher: "more among business buildings", lower: "less among business buildings"),
            // Two-code columns: the second code's words, then the first's.
            "ANREDE_KZ": .init(higher: "female", lower: "male"),
            "GREEN_AVANTGARDE": .init(higher: "green-avantgarde in their youth", lower: "not green-avantgarde in their youth"),
            "OST_WEST_KZ": .init(higher: "in the former West", lower: "in the former East"),
            "VERS_TYP": .init(higher: "risk-takers about insurance", lower: "safety-minded about insurance"),
            "SOHO_KZ": .init(higher: "with a small or home office", lower: "without a small or home office"),
        ]
        // Scales whose code 1 is the most of it.
        let firstIsMost: [(String, String)] = [
            ("FINANZ_MINIMALIST", "financially minimalist"), ("FINANZ_SPARER", "money-saving"),
            ("FINANZ_VORSORGER", "prepared for the future"), ("FINANZ_ANLEGER", "investment-minded"),
            ("FINANZ_UNAUFFAELLIGER", "financially inconspicuous"), ("FINANZ_HAUSBAUER", "home-ownership-minded"),
            ("SEMIO_SOZ", "social-minded"), ("SEMIO_FAM", "family-minded"), ("SEMIO_REL", "religious"),
            ("SEMIO_MAT", "materialistic"), ("SEMIO_VERT", "dreamy"), ("SEMIO_LUST", "sensual"),
            ("SEMIO_ERL", "event-seeking"), ("SEMIO_KULT", "culture-minded"), ("SEMIO_RAT", "rational"),
            ("SEMIO_KRIT", "critical"), ("SEMIO_DOM", "dominant"), ("SEMIO_KAEM", "combative"),
            ("SEMIO_PFLICHT", "dutiful"), ("SEMIO_TRADV", "traditional"),
        ]
        for (name, what) in firstIsMost { t[name] = .init(higher: "less \(what)", lower: "more \(what)") }
        // Shares of house sizes in the microcell (KBA05_) and the PLZ8 region, 0 = none ... higher = most.
        for (suffix, homes) in [("ANTG1", "1-2-family homes"), ("ANTG2", "3-5-family homes"),
                                ("ANTG3", "6-10-family homes"), ("ANTG4", "10+-family homes")] {
            t["KBA05_" + suffix] = .init(higher: "among more \(homes)", lower: "among fewer \(homes)", firstCode: 0)
            t["PLZ8_" + suffix] = .init(higher: "in regions of more \(homes)", lower: "in regions of fewer \(homes)", firstCode: 0)
        }
        return t
    }()
}
