/** Names for generated demo data: common Swedish names, with å, ä and ö on purpose. */
export const FIRST_NAMES_F = ['Åsa', 'Märta', 'Björg', 'Maja', 'Elsa', 'Alice', 'Wilma', 'Ebba', 'Saga', 'Astrid', 'Ella', 'Selma', 'Linnéa', 'Agnes', 'Freja', 'Signe', 'Tuva', 'Stina', 'Lovisa', 'Ingrid', 'Noor', 'Amira'] as const;
export const FIRST_NAMES_M = ['Örjan', 'Håkan', 'Björn', 'Måns', 'Oskar', 'Hugo', 'Elias', 'Liam', 'Olle', 'Nils', 'Gösta', 'Sixten', 'Tage', 'Åke', 'Lukas', 'Vilgot', 'Isak', 'Ture', 'Albin', 'Jöns', 'Omar', 'Yusuf'] as const;
export const LAST_NAMES = ['Öberg', 'Åberg', 'Ängström', 'Söderström', 'Johansson', 'Andersson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Löfgren', 'Sjöberg', 'Hägglund', 'Lindqvist', 'Bäckström', 'Wästlund', 'Ali', 'Holm', 'Strömberg', 'Fältskog'] as const;
export const SPORTS = ['Fotboll', 'Handboll', 'Innebandy', 'Ishockey', 'Basket', 'Simning', 'Friidrott', 'Gymnastik', 'Tennis', 'Ridsport', 'Orientering', 'Brottning'] as const;
export const PLACES = ['Exempelvallen', 'Sporthallen', 'Ishallen', 'Simhallen', 'Ängsvallen', 'Skolgymnastiken', 'Friidrottsarenan', 'Ridhuset', 'Tennishallen', 'Älvsbyhallen'] as const;
export const COLOURS = ['Blå', 'Röd', 'Grön', 'Gul', 'Vit', 'Svart'] as const;
export const NATIONALITIES = ['NO', 'DK', 'FI', 'DE', 'SY', 'SE'] as const;
